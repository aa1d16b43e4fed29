export type Instance = { name: string; host: string; port: number };
export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export const ROOT: string;
/** deploy/haproxy.cfg */
export const HAPROXY_CONFIG: string;
export const HAPROXY_BIN: string;

/** deploy/haproxy.cfg with the lines between its BEGIN/END instances markers replaced by `servers`. */
export function renderHaproxyConfig(template: string, servers: Instance[]): string;

export type Haproxy = {
  pid: number;
  /** Where clients go: http://<bind> */
  url: string;
  /** HAProxy's statistics page (CSV at `${statsUrl}/;csv`). */
  statsUrl: string;
  /** The directory holding the rendered configuration. */
  dir: string;
  output(): string;
  exited: Promise<Exit>;
  /** SIGUSR1: soft stop; SIGTERM (default): now. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
};

/** Runs HAProxy in the foreground with deploy/haproxy.cfg rendered for `servers`; resolves once it listens. */
export function startHaproxy(options: {
  servers: Instance[];
  /** host:port for clients */
  bind: string;
  /** host:port for the statistics page */
  statsBind: string;
  logFile?: string;
  /** Another configuration text instead of deploy/haproxy.cfg's. */
  template?: string;
}): Promise<Haproxy>;

/** The status HAProxy gives each instance ("UP", "DOWN", "UP 1/2"…), by server name. */
export function instanceStates(statsUrl: string): Promise<Record<string, string>>;

/** Creates the database a postgresql:// URL names when missing; true when it did. */
export function ensureDatabase(url: string): Promise<boolean>;

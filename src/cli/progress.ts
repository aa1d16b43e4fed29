// Progress of a long command on stderr: a spinner per step on a terminal, plain lines otherwise,
// nothing at all with --json (stdout then carries one JSON document, stderr only errors).

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;

export type ProgressStream = { isTTY?: boolean; write(text: string): unknown };

export class Progress {
  private readonly tty: boolean;
  private readonly color: boolean;

  constructor(
    private readonly out: ProgressStream | undefined,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.tty = Boolean(out?.isTTY) && env['TERM'] !== 'dumb';
    this.color = this.tty && env['NO_COLOR'] === undefined;
  }

  private paint(code: number, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[39m` : text;
  }

  /** Shows `label` while `fn` runs, then `done(result)` (or the label) with how long it took. */
  async step<T>(label: string, fn: () => Promise<T>, done?: (result: T) => string): Promise<T> {
    const out = this.out;
    if (!out) return fn();
    const started = Date.now();
    let timer: ReturnType<typeof setInterval> | undefined;
    if (this.tty) {
      let frame = 0;
      const draw = () => out.write(`\r\x1b[2K${this.paint(36, FRAMES[frame++ % FRAMES.length]!)} ${label}…`);
      draw();
      timer = setInterval(draw, FRAME_MS);
    }
    try {
      const result = await fn();
      const elapsed = `${Date.now() - started} ms`;
      const text = done ? done(result) : label;
      if (this.tty) out.write(`\r\x1b[2K${this.paint(32, '✔')} ${text} ${this.paint(90, `(${elapsed})`)}\n`);
      else out.write(`${text} (${elapsed})\n`);
      return result;
    } catch (error) {
      if (this.tty) out.write(`\r\x1b[2K${this.paint(31, '✖')} ${label}\n`);
      throw error;
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  /** A line under the current step (e.g. each migration applied). */
  detail(text: string): void {
    if (!this.out) return;
    this.out.write(this.tty ? `  ${this.paint(90, '·')} ${text}\n` : `  ${text}\n`);
  }
}

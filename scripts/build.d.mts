/** Writes dist/ afresh: the bundle `npm start` runs. */
export function buildServer(): Promise<void>;

/** Whether dist/ was built from the sources as they are (no source changed since its build started). */
export function isBuildFresh(): Promise<boolean>;

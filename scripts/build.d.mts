/** Writes dist/ afresh: the bundle `npm start` runs. */
export function buildServer(): Promise<void>;

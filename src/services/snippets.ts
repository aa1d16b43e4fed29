/** What marks the matched words in a search snippet (plain text, never HTML): conversations and knowledge. */
export const SNIPPET_MARKS = { start: '«', stop: '»' } as const;

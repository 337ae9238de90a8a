/** An agent's name as stored and compared: without a leading "@", trimmed, lower-cased. The one place it is normalised. */
export const normalizeAgentName = (name: string): string => name.trim().replace(/^@/, '').toLowerCase();

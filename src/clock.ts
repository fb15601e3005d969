/** Milliseconds since the epoch. Injected so that expiry, pacing and audit can be tested. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

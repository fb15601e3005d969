/** Something started by the app that must be closed on shutdown (a worker, a sweeper, a loop). */
export interface Service {
  name: string;
  close(): Promise<void>;
}

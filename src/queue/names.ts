/** BullMQ queue names. Every queue also gets `{ prefix: config.redisPrefix }`. */
export const QUEUE = {
  poll: 'poll',
  actions: 'actions',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

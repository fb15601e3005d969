// The one failing-operation recorder lives in src/aws/aws-call.ts; commands use it from there.
export { awsCall } from '../src/aws/aws-call.js';

export { EventHub, type EventListener } from './emitter';
export {
  type JobContext,
  JobManager,
  type JobManagerOptions,
  type JobOutcome,
  type JobSpec,
} from './manager';

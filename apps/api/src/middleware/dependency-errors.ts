// The classification is shared with the workers (an outage sets a job aside instead of failing it).
export { isDependencyUnavailable } from '@points-engine/db';

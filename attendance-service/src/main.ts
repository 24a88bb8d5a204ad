import { configOrExit, createLogger } from '@attendance/common/config';
import { runService } from '@attendance/common/http';
import { readConfig } from './config.ts';
import { start } from './start.ts';

const config = configOrExit(readConfig, 'attendance-service');
const logger = createLogger('attendance-service', config.LOG_LEVEL);
await runService('attendance-service', logger, () => start({ config, logger }));

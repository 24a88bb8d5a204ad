import { configOrExit, createLogger, runService } from '@attendance/common';
import { readConfig } from './config.ts';
import { start } from './start.ts';

const config = configOrExit(readConfig, 'attendance-service');
const logger = createLogger('attendance-service', config.LOG_LEVEL);
await runService('attendance-service', logger, () => start({ config, logger }));

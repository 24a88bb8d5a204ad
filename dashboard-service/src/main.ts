import { configOrExit, createLogger, runService } from '@attendance/common';
import { readConfig } from './config.ts';
import { start } from './start.ts';

const config = configOrExit(readConfig, 'dashboard-service');
const logger = createLogger('dashboard-service', config.LOG_LEVEL);
await runService('dashboard-service', logger, () => start({ config, logger }));

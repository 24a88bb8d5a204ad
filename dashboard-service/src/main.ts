import { configOrExit, createLogger } from '@attendance/common/config';
import { runService } from '@attendance/common/http';
import { readConfig } from './config.ts';
import { start } from './start.ts';

const config = configOrExit(readConfig, 'dashboard-service');
const logger = createLogger('dashboard-service', config.LOG_LEVEL);
await runService('dashboard-service', logger, () => start({ config, logger }));

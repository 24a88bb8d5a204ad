import { configOrExit, createLogger, runService } from '@attendance/common';
import { readConfig } from './config.ts';
import { start } from './start.ts';

const config = configOrExit(readConfig, 'tasks');
const logger = createLogger('tasks', config.LOG_LEVEL);
await runService('tasks', logger, () => start({ config, logger }));

import { configOrExit, createLogger } from '@attendance/common/config';
import { runService } from '@attendance/common/http';
import { readConfig } from './config.ts';
import { start } from './start.ts';

const config = configOrExit(readConfig, 'tasks');
const logger = createLogger('tasks', config.LOG_LEVEL);
await runService('tasks', logger, () => start({ config, logger }));

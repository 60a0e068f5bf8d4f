// The app's version, from package.json (the build inlines it), so every face reports the same one.
import { version } from '../../package.json';

export const APP_VERSION: string = version;

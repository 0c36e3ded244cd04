// `tfe-bridge validate`: load the config exactly as `serve` would and report every problem.
import { loadConfigFile } from '../adapters/local/config-file';
import { CONFIG_OPTION, type Command, configPath, EXIT_OK, parseOptions } from './args';

export const validateCommand: Command = {
  summary: 'check a config file and report every problem with its path',
  usage: `tfe-bridge validate --config FILE

  --config FILE   bridge config, YAML or JSON (env TFE_BRIDGE_CONFIG)
Exit 0 when valid; 2 with one line per problem otherwise.`,

  async run(argv, io) {
    const { values } = parseOptions(argv, CONFIG_OPTION);
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    const { path, config } = loadConfigFile(configPath(values.config, io.env));
    const destinations = config.routes.reduce((sum, route) => sum + route.destinations.length, 0);
    io.stdout(`${path}: valid (${config.routes.length} routes, ${destinations} destinations)\n`);
    return EXIT_OK;
  },
};

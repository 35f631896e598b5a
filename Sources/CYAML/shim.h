#ifndef SEALWATCH_CYAML_SHIM_H
#define SEALWATCH_CYAML_SHIM_H
/* libyaml (Debian libyaml-dev): Config reads sealwatch.yml with its event parser, yaml_parser_parse.
 * See https://pyyaml.org/wiki/LibYAML and /usr/include/yaml.h. */
#include <yaml.h>
#endif

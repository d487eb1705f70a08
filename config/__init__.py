"""Configuration the office edits: YAML files in this folder, validated at start-up.

``load_config()`` reads ``province.yaml``, ``sources.yaml``, ``topics.yaml``,
``schedule.yaml`` (and later ``facts.yaml``) from ``HAIDANG_CONFIG_DIR`` when set,
falling back to the files shipped here for any file that directory lacks.
"""

from config.loader import CONFIG_FILES, ConfigError, config_dirs, load_config
from config.schema import Config

__all__ = ["CONFIG_FILES", "Config", "ConfigError", "config_dirs", "load_config"]

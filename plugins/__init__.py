"""Built-in specialty plugins. Each is a plain module registered explicitly by
:func:`pixtralogist.core.plugins.get_plugin_manager`."""

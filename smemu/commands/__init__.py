"""The ``smemu`` command's subcommands, one module each (see ``smemu.cli``)."""

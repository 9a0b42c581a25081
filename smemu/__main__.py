from smemu.cli import main

raise SystemExit(main())

import sys

if len(sys.argv) > 1 and sys.argv[1] == "check":
    from conformance.check import main

    sys.exit(main(sys.argv[2:]))

from conformance.report import main

sys.exit(main())

"""`python -m customer_credit.cli`: the same command as `customer-credit`."""

from customer_credit.cli.main import main

raise SystemExit(main())

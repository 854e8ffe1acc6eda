"""eden on GitHub: a pull request's preview status you can trust.

* ``events`` and ``commands`` read deliveries (pure: what a delivery asks of eden);
* ``render`` turns one ``Preview`` state into the deployment status, check and comment;
* ``reporter`` puts it on GitHub (idempotent, repaired after failures), ``service``
  wraps the server's operations with it, ``view`` compares eden and GitHub for the CLI;
* ``rest``/``transport``/``auth``/``jwt`` are the typed client (httpx; a token or a
  GitHub App), ``settings`` reads ``[api.github]``.

The modules that talk HTTP need the ``api`` extra (httpx, cryptography for Apps).
"""

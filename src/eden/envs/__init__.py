"""The environment lifecycle: read the world, plan, run the plan, remember what was made.

``resources/`` holds one module per AWS resource an environment has; ``planner``,
``reader``, ``executor`` and ``gc`` compose them; ``engine`` only sequences. See
docs/architecture.md for the path of ``eden create`` through these modules.
"""

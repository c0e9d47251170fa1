"""Harvesting: what registries and portals take from the published build.

Pure functions, no Flask: the DCAT-AP catalogue and VoID (`catalog`), the change feed
(`feed`) and the Open Referral HSDS crosswalk (`hsds`). The web layer (`web/harvest.py`,
`web/feed.py`, `web/hsds.py`) asks the store, calls these and answers.
"""

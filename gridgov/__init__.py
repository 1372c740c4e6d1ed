"""gridgov: community grid governance (网格化服务管理)."""

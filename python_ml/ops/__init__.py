"""Operations: scheduled runs under the warehouse lock, the monitoring report, the data-docs
site, the lifecycle demo, and fault injection for the tests."""

"""Grid groups: WeCom group robots (件件有回音 in the group), the grid's message inbox, and service notices."""

"""A resident's own pages: their applications with the lottery results and what the leasing
office asks of them, gathered from every feature, and the applications made with their address
before the account existed."""

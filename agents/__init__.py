"""The faust agents: one module per stage, each a thin loop from a stream to its stage.

articles ─► dedup ─► <app>.deduped ─► embed ─► <app>.embedded ─► events
              └─► articles.dlq                  event-updates, alerts ◄─┘
                                                          alerts ─► webhook

The CLI assembles a worker from these modules' `attach` functions (`wirewatch run`).
"""

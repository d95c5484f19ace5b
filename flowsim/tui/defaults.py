"""The built-in world the TUI opens when PATH holds no scenario files.

One official account and three users in different states, so that stepping
through shows Flow B (hanako: consent not set, account older than 180 days),
Flow A (ken: consent not set, new account) and Flow C (yui: agreed, SMS
validity ran out), and explore mode has someone to tap for.
"""

DEFAULT_WORLD = {
    "name": "Default world",
    "description": "Built-in world: one official account, three users in different states",
    "tags": ["default"],
    "start": "2026-04-01T09:00:00+09:00",
    "seed": 7,
    "official_accounts": {"shop": {"name": "Example Shop", "country": "JP"}},
    "users": {
        "hanako": {"phone": "+818000001234", "consent": "not_set", "created": "-3y"},
        "ken": {"phone": "+818000005678", "consent": "not_set", "created": "-30d"},
        "yui": {"phone": "+818000009012", "consent": "agreed", "created": "-3y", "sms_verified": "-200d"},
    },
    "steps": [
        {"send": {"from": "shop", "to": "hanako", "text": "Your parcel ships today"}, "as": "parcel"},
        {"send": {"from": "shop", "to": "ken", "text": "Your order is confirmed"}, "as": "order"},
        {"send": {"from": "shop", "to": "yui", "text": "Your appointment is tomorrow"}, "as": "appointment"},
    ],
}

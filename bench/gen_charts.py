"""Synthetic MarketSmith daily charts for bench/drive.sh until `bluedot gen` is merged.

    gen_charts.py DIR COUNT

About 1000 daily rows per file (~4 years), deterministic per file index.
"""

import json
import os
import random
import sys

DAY_MS = 86_400_000
START_MS = 1_577_836_800_000  # 2020-01-01 UTC


def chart(i):
    rng = random.Random(i)
    price = rng.uniform(50, 2000)
    prices = []
    for d in range(1000):
        price *= 1 + rng.uniform(-0.03, 0.03)
        prices.append({
            "priceDate": START_MS + d * DAY_MS,
            "open": round(price * rng.uniform(0.98, 1.0), 2),
            "high": round(price * 1.02, 2),
            "low": round(price * 0.97, 2),
            "close": round(price, 2),
            "volume": rng.randint(1_000, 5_000_000),
            "bc": rng.randint(1, 99),
            "rlst": rng.randint(1, 99),
        })
    return {
        "responseHeader": {"error": False},
        "chart": {
            "prices": prices,
            "peripheralData": {"symbol": f"B{i:05d}.IN", "name": f"Bench {i}"},
            "blueDotData": {"dates": [START_MS + d * DAY_MS for d in range(30, 1000, 97)]},
        },
    }


def main(directory, count):
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        with open(os.path.join(directory, f"B{i:05d}.IN_daily.json"), "w") as f:
            json.dump(chart(i), f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

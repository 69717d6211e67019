"""Score the official replies in a Teddy Cup message file (答复意见, 答复时间) and print a summary."""

import csv
import random
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pengcheng.insights import replyquality, teddy
from pengcheng.workdays.selectors import working_days_between


def _auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a true pair scores above a random one (Mann–Whitney), ties counting half."""
    ranked = sorted([(v, 1) for v in positive] + [(v, 0) for v in negative])
    rank_sum, index = 0.0, 0
    while index < len(ranked):
        end = index
        while end < len(ranked) and ranked[end][0] == ranked[index][0]:
            end += 1
        average = (index + end + 1) / 2
        rank_sum += average * sum(1 for v in ranked[index:end] if v[1] == 1)
        index = end
    n_pos, n_neg = len(positive), len(negative)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


class Command(BaseCommand):
    help = "Score each reply of a Teddy Cup file for relevance, completeness and timeliness; print a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--limit-days", type=int, default=15, help="reply time limit in working days (15)")
        parser.add_argument("--examples", type=int, default=3)
        parser.add_argument("--out", type=Path, help="write every score to this CSV")
        parser.add_argument("--check", action="store_true", help="also score each request against a random other reply")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = teddy.load(options["file"], need_reply=True)
        except teddy.FileProblem as exc:
            raise CommandError(str(exc)) from exc
        for line, reason in loaded.errors:
            self.stderr.write(f"{options['file']}:{line}: {reason}")
        messages = loaded.messages
        if not messages:
            raise CommandError("no readable messages")
        results = []
        for message in tqdm(messages, desc="replies", unit=" replies", file=self.stderr, mininterval=2.0):
            delay = working_days_between(message.at, message.replied_at) if message.replied_at else None
            results.append(
                replyquality.assess(
                    f"{message.title}。{message.text}",
                    message.reply,
                    delay_workdays=delay,
                    limit_workdays=options["limit_days"],
                )
            )
        scores = [r.score for r in results]
        flagged = [i for i, r in enumerate(results) if r.flagged]
        write = self.stdout.write
        write(f"{len(messages)} replies scored, {len(loaded.errors)} bad rows skipped")
        quartiles = statistics.quantiles(scores, n=4)
        write(
            f"score: mean={statistics.mean(scores):.1f} median={statistics.median(scores):.1f} "
            f"q1={quartiles[0]:.1f} q3={quartiles[2]:.1f}"
        )
        bands = Counter(min(int(s // 20), 4) for s in scores)
        write("bands: " + "  ".join(f"{b * 20}-{b * 20 + 19 if b < 4 else 100}: {bands.get(b, 0)}" for b in range(5)))
        for part in ("relevance", "completeness"):
            values = [getattr(r, part) for r in results]
            write(f"{part}: mean={statistics.mean(values):.3f} median={statistics.median(values):.3f}")
        timely = [r.timeliness for r in results if r.timeliness is not None]
        delays = [r.details["delay_workdays"] for r in results if r.details.get("delay_workdays") is not None]
        if timely:
            on_time = sum(1 for t in timely if t >= 1.0)
            write(
                f"timeliness: median delay {statistics.median(delays):.0f} working days, "
                f"{100.0 * on_time / len(timely):.1f}% within {options['limit_days']} working days"
            )
        reasons = Counter(reason for r in results for reason in r.reasons)
        write("reasons: " + ", ".join(f"{k}={v}" for k, v in reasons.most_common()))
        order = sorted(range(len(results)), key=lambda i: scores[i])
        for title, picked in (
            ("strongest", order[::-1][: options["examples"]]),
            ("weakest", order[: options["examples"]]),
        ):
            write(f"-- {title} --")
            for i in picked:
                message, result = messages[i], results[i]
                write(
                    f"[{message.number}] score={result.score:.0f} rel={result.relevance:.2f} "
                    f"comp={result.completeness:.2f} time={result.timeliness} {','.join(result.reasons) or '-'}"
                )
                write(f"   request: {message.title}")
                write(f"   reply: {message.reply[:160]}")
        if options["check"]:
            shuffled = list(range(len(messages)))
            random.Random(20200).shuffle(shuffled)
            fake = [
                replyquality.relevance(f"{m.title}。{m.text}", messages[j].reply)[0]
                for m, j in zip(messages, shuffled, strict=True)
                if messages[j].number != m.number
            ]
            true = [r.relevance for r in results]
            write(
                f"check: relevance of the true reply vs a random other reply: AUC={_auc(true, fake):.3f} "
                f"(median {statistics.median(true):.3f} vs {statistics.median(fake):.3f})"
            )
        if options["out"]:
            with options["out"].open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["留言编号", "score", "relevance", "completeness", "timeliness", "flagged", "reasons"])
                for message, result in zip(messages, results, strict=True):
                    writer.writerow(
                        [
                            message.number,
                            result.score,
                            result.relevance,
                            result.completeness,
                            result.timeliness,
                            int(result.flagged),
                            " ".join(result.reasons),
                        ]
                    )
        write(f"flagged={len(flagged)} share={len(flagged) / len(results):.3f}")

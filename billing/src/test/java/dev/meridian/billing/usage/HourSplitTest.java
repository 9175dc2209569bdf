package dev.meridian.billing.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class HourSplitTest {

  @Test
  void anIntervalWithinOneHourIsOnePiece() {
    assertThat(HourSplit.of(Instant.parse("2026-12-03T10:05:00Z"), Instant.parse("2026-12-03T10:35:00.250Z")))
        .containsExactly(new HourSplit.Piece(Instant.parse("2026-12-03T10:00:00Z"), 1_800_250));
  }

  @Test
  void anIntervalAcrossHourBoundariesIsCutAtEachAndThePiecesAddUpToTheWhole() {
    Instant start = Instant.parse("2026-12-03T10:59:59.999Z");
    Instant end = Instant.parse("2026-12-03T13:00:00.001Z");

    var pieces = HourSplit.of(start, end);

    assertThat(pieces).containsExactly(
        new HourSplit.Piece(Instant.parse("2026-12-03T10:00:00Z"), 1),
        new HourSplit.Piece(Instant.parse("2026-12-03T11:00:00Z"), 3_600_000),
        new HourSplit.Piece(Instant.parse("2026-12-03T12:00:00Z"), 3_600_000),
        new HourSplit.Piece(Instant.parse("2026-12-03T13:00:00Z"), 1));
    assertThat(pieces.stream().mapToLong(HourSplit.Piece::millis).sum()).isEqualTo(end.toEpochMilli() - start.toEpochMilli());
  }

  @Test
  void microsecondsAreCutToTheMillisecondAsTheRouterCounts() {
    assertThat(HourSplit.of(Instant.parse("2026-12-03T10:00:00.000900Z"), Instant.parse("2026-12-03T10:00:00.002100Z")))
        .containsExactly(new HourSplit.Piece(Instant.parse("2026-12-03T10:00:00Z"), 2));
  }

  @Test
  void anEmptyIntervalHasNoPieces() {
    Instant at = Instant.parse("2026-12-03T10:00:00Z");
    assertThat(HourSplit.of(at, at)).isEmpty();
  }
}

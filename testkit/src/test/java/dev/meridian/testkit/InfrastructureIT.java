package dev.meridian.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

class InfrastructureIT {

  @Test
  void startsPostgresKafkaAndTemporalOnLoopback() throws Exception {
    Infrastructure infrastructure = Infrastructure.shared();

    try (var connection = DriverManager.getConnection(infrastructure.postgres().jdbcUrl(), PostgresServer.USER, infrastructure.postgres().password());
        var result = connection.createStatement().executeQuery("show server_version_num")) {
      result.next();
      assertThat(result.getInt(1)).isGreaterThanOrEqualTo(160000);
    }
    assertThat(infrastructure.kafka().bootstrapServers()).startsWith("127.0.0.1:");
    assertThat(Ports.isOpen(Integer.parseInt(infrastructure.kafka().bootstrapServers().split(":")[1]))).isTrue();
    assertThat(Ports.isOpen(infrastructure.temporal().port())).isTrue();
  }

  @Test
  void postgresRefusesAConnectionWithoutItsPassword() {
    Infrastructure infrastructure = Infrastructure.shared();

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DriverManager.getConnection(infrastructure.postgres().jdbcUrl(), PostgresServer.USER, ""))
        .hasMessageContaining("password");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DriverManager.getConnection(infrastructure.postgres().jdbcUrl(), PostgresServer.USER, "guess"))
        .hasMessageContaining("password authentication failed");
  }
}

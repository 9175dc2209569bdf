package dev.meridian.tenant.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meridian.proto.tenant.v1.CreateOrgRequest;
import dev.meridian.proto.tenant.v1.CreateProjectRequest;
import dev.meridian.proto.tenant.v1.GetProjectRequest;
import dev.meridian.proto.tenant.v1.ListProjectsRequest;
import dev.meridian.proto.tenant.v1.TenantDirectoryGrpc;
import dev.meridian.tenant.InternalApi;
import dev.meridian.testkit.DeploymentCa;
import dev.meridian.testkit.Infrastructure;
import dev.meridian.testkit.Ports;
import dev.meridian.testkit.TestSlice;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class TenantDirectoryIT {

  private static final int GRPC_PORT = Ports.free();
  private static ManagedChannel channel;
  private static TenantDirectoryGrpc.TenantDirectoryBlockingStub directory;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> Infrastructure.shared().postgres().jdbcUrl() + "?currentSchema=tenant");
    registry.add("spring.datasource.password", () -> Infrastructure.shared().postgres().password());
    registry.add("spring.grpc.server.port", () -> GRPC_PORT);
    DeploymentCa.Identity identity = DeploymentCa.shared().identity("tenant-service");
    registry.add("meridian.tls.ca", () -> identity.ca().toString());
    registry.add("meridian.tls.certificate", () -> identity.certificate().toString());
    registry.add("meridian.tls.private-key", () -> identity.privateKey().toString());
  }

  @BeforeAll
  static void connect() {
    channel = InternalApi.channelAs("gateway", GRPC_PORT);
    directory = TenantDirectoryGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void disconnect() {
    channel.shutdownNow();
  }

  @Test
  void createsOrgAndProjectsWithTheThreeDomains() {
    String org = TestSlice.newOrg();
    directory.createOrg(CreateOrgRequest.newBuilder().setSlug(org).setName("Acme").setOwnerEmail("owner@acme.test").build());

    var project = directory.createProject(CreateProjectRequest.newBuilder().setOrg(org).setId("models").setName("Models").build());

    assertThat(project.getDomainsList()).containsExactly("development", "staging", "production");
    assertThat(directory.getProject(GetProjectRequest.newBuilder().setOrg(org).setId("models").build()).getName()).isEqualTo("Models");
  }

  @Test
  void rejectsTakenSlugAndInvalidSlug() {
    String org = TestSlice.newOrg();
    var request = CreateOrgRequest.newBuilder().setSlug(org).setName("Acme").setOwnerEmail("owner@acme.test").build();
    directory.createOrg(request);

    assertThatThrownBy(() -> directory.createOrg(request))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    assertThatThrownBy(() -> directory.createOrg(request.toBuilder().setSlug("Not A Slug").build()))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("lower-case");
  }

  @Test
  void projectsOfAnotherOrgAreInvisible() {
    String orgA = TestSlice.newOrg();
    String orgB = TestSlice.newOrg();
    for (String org : new String[] {orgA, orgB}) {
      directory.createOrg(CreateOrgRequest.newBuilder().setSlug(org).setName(org).setOwnerEmail("o@" + org + ".test").build());
    }
    directory.createProject(CreateProjectRequest.newBuilder().setOrg(orgB).setId("secret").build());

    assertThat(directory.listProjects(ListProjectsRequest.newBuilder().setOrg(orgA).build()).getItemsList()).isEmpty();
    assertThatThrownBy(() -> directory.getProject(GetProjectRequest.newBuilder().setOrg(orgA).setId("secret").build()))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }
}

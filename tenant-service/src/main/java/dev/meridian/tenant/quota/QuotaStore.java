package dev.meridian.tenant.quota;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import dev.meridian.proto.tenant.v1.Quota;
import dev.meridian.proto.tenant.v1.QuotaChange;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Quotas and their audit trail. A quota is stored as protobuf JSON; {@code project} is empty for the org's own. */
@Repository
class QuotaStore {

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private final JdbcClient jdbc;

  QuotaStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Serialises quota changes of one org and tells whether the org exists. */
  boolean lockOrg(String org) {
    return jdbc.sql("select org_id from orgs where org_id = :org for update").param("org", org).query(String.class).optional().isPresent();
  }

  boolean orgExists(String org) {
    return jdbc.sql("select 1 from orgs where org_id = :org").param("org", org).query(Integer.class).optional().isPresent();
  }

  boolean projectExists(String org, String project) {
    return jdbc.sql("select 1 from projects where org_id = :org and project_id = :project")
        .param("org", org).param("project", project).query(Integer.class).optional().isPresent();
  }

  Optional<Quota> find(String org, String project) {
    return jdbc.sql("select org_id, project_id, quota, updated_at, updated_by from quotas where org_id = :org and project_id = :project")
        .param("org", org).param("project", project).query(QuotaStore::quota).optional();
  }

  /** The org's quota row (if any) and every project's, the org's first. */
  List<Quota> ofOrg(String org) {
    return jdbc.sql("select org_id, project_id, quota, updated_at, updated_by from quotas where org_id = :org order by project_id")
        .param("org", org).query(QuotaStore::quota).list();
  }

  void save(Quota before, Quota after, String actor) {
    jdbc.sql("""
        insert into quotas (org_id, project_id, quota, updated_at, updated_by) values (:org, :project, cast(:quota as jsonb), now(), :actor)
        on conflict (org_id, project_id) do update set quota = excluded.quota, updated_at = now(), updated_by = excluded.updated_by
        """).param("org", after.getOrg()).param("project", after.getProject()).param("quota", json(after)).param("actor", actor).update();
    jdbc.sql("""
        insert into quota_changes (org_id, project_id, actor, before, after)
        values (:org, :project, :actor, cast(:before as jsonb), cast(:after as jsonb))
        """).param("org", after.getOrg()).param("project", after.getProject()).param("actor", actor)
        .param("before", before == null ? null : json(before)).param("after", json(after)).update();
  }

  List<QuotaChange> changes(String org, int limit) {
    return jdbc.sql("""
        select org_id, project_id, actor, before, after, changed_at from quota_changes
         where org_id = :org order by change_id desc limit :limit
        """).param("org", org).param("limit", limit).query((rs, i) -> {
          QuotaChange.Builder change = QuotaChange.newBuilder().setOrg(rs.getString(1)).setProject(rs.getString(2))
              .setActor(rs.getString(3)).setAfter(parse(rs.getString(5)))
              .setChangedAt(Timestamps.fromMillis(rs.getTimestamp(6).getTime()));
          if (rs.getString(4) != null) {
            change.setBefore(parse(rs.getString(4)));
          }
          return change.build();
        }).list();
  }

  /** Only the limits: who and when live in their own columns. */
  private static String json(Quota quota) {
    try {
      return PRINTER.print(quota.toBuilder().clearOrg().clearProject().clearUpdatedAt().clearUpdatedBy());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Quota parse(String json) {
    Quota.Builder quota = Quota.newBuilder();
    try {
      PARSER.merge(json, quota);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored quota is not a Quota: " + json, e);
    }
    return quota.build();
  }

  private static Quota quota(ResultSet rs, int row) throws SQLException {
    return parse(rs.getString("quota")).toBuilder().setOrg(rs.getString("org_id")).setProject(rs.getString("project_id"))
        .setUpdatedAt(Timestamps.fromMillis(rs.getTimestamp("updated_at").getTime())).setUpdatedBy(rs.getString("updated_by")).build();
  }
}

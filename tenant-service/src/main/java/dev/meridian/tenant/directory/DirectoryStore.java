package dev.meridian.tenant.directory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class DirectoryStore {

  record OrgRow(String slug, String name, String ownerEmail, Instant createdAt) {}

  record ProjectRow(String org, String id, String name, String description, Instant createdAt) {}

  private static final String INSERT_ORG = """
      insert into orgs (org_id, name, owner_email) values (:org, :name, :ownerEmail)
      """;
  private static final String SELECT_ORG = """
      select org_id, name, owner_email, created_at from orgs where org_id = :org
      """;
  private static final String INSERT_PROJECT = """
      insert into projects (org_id, project_id, name, description) values (:org, :id, :name, :description)
      """;
  private static final String SELECT_PROJECT = """
      select org_id, project_id, name, description, created_at from projects where org_id = :org and project_id = :id
      """;
  private static final String SELECT_PROJECTS = """
      select org_id, project_id, name, description, created_at from projects where org_id = :org order by project_id
      """;

  private final JdbcClient jdbc;

  DirectoryStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** False when the slug is taken. */
  boolean insertOrg(String slug, String name, String ownerEmail) {
    try {
      jdbc.sql(INSERT_ORG).param("org", slug).param("name", name).param("ownerEmail", ownerEmail).update();
      return true;
    } catch (DuplicateKeyException e) {
      return false;
    }
  }

  Optional<OrgRow> findOrg(String slug) {
    return jdbc.sql(SELECT_ORG).param("org", slug).query(DirectoryStore::org).optional();
  }

  /** False when the project id is taken in this org. */
  boolean insertProject(String org, String id, String name, String description) {
    try {
      jdbc.sql(INSERT_PROJECT).param("org", org).param("id", id).param("name", name).param("description", description).update();
      return true;
    } catch (DuplicateKeyException e) {
      return false;
    }
  }

  Optional<ProjectRow> findProject(String org, String id) {
    return jdbc.sql(SELECT_PROJECT).param("org", org).param("id", id).query(DirectoryStore::project).optional();
  }

  List<ProjectRow> listProjects(String org) {
    return jdbc.sql(SELECT_PROJECTS).param("org", org).query(DirectoryStore::project).list();
  }

  private static OrgRow org(ResultSet rs, int row) throws SQLException {
    return new OrgRow(rs.getString("org_id"), rs.getString("name"), rs.getString("owner_email"),
        rs.getTimestamp("created_at").toInstant());
  }

  private static ProjectRow project(ResultSet rs, int row) throws SQLException {
    return new ProjectRow(rs.getString("org_id"), rs.getString("project_id"), rs.getString("name"),
        rs.getString("description"), rs.getTimestamp("created_at").toInstant());
  }
}

package dev.meridian.gateway.quota;

import dev.meridian.gateway.infra.RestErrors;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

@RestController
class QuotaController {

  private final Quotas quotas;

  QuotaController(Quotas quotas) {
    this.quotas = quotas;
  }

  @GetMapping("/api/v1/orgs/{org}/quota")
  ResponseEntity<?> getOrgQuota(@PathVariable String org) {
    return RestErrors.respond(quotas.get(org, null), QuotaViews::quota);
  }

  @PutMapping("/api/v1/orgs/{org}/quota")
  ResponseEntity<?> setOrgQuota(@PathVariable String org, @RequestBody JsonNode body) {
    return RestErrors.respond(quotas.set(org, null, body), QuotaViews::quota);
  }

  @GetMapping("/api/v1/orgs/{org}/projects/{project}/quota")
  ResponseEntity<?> getProjectQuota(@PathVariable String org, @PathVariable String project) {
    return RestErrors.respond(quotas.get(org, project), QuotaViews::quota);
  }

  @PutMapping("/api/v1/orgs/{org}/projects/{project}/quota")
  ResponseEntity<?> setProjectQuota(@PathVariable String org, @PathVariable String project, @RequestBody JsonNode body) {
    return RestErrors.respond(quotas.set(org, project, body), QuotaViews::quota);
  }

  @GetMapping("/api/v1/orgs/{org}/quota/usage")
  ResponseEntity<?> usage(@PathVariable String org) {
    return RestErrors.respond(quotas.usage(org), QuotaViews::usage);
  }

  @GetMapping("/api/v1/orgs/{org}/quota/changes")
  ResponseEntity<?> changes(@PathVariable String org, @RequestParam(defaultValue = "50") int limit) {
    return RestErrors.respond(quotas.changes(org, limit), QuotaViews::changes);
  }
}

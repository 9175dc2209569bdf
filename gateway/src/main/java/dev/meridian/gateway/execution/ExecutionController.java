package dev.meridian.gateway.execution;

import dev.meridian.gateway.infra.RestErrors;
import dev.meridian.gateway.project.Scope;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

@RestController
@RequestMapping("/api/v1/orgs/{org}/projects/{project}/domains/{domain}/executions")
class ExecutionController {

  private final Executions executions;

  ExecutionController(Executions executions) {
    this.executions = executions;
  }

  @PostMapping
  ResponseEntity<?> create(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @RequestBody JsonNode body, @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    return RestErrors.respond(executions.create(new Scope(org, project, domain), body, idempotencyKey), ExecutionView::of);
  }

  @GetMapping("/{id}")
  ResponseEntity<?> get(@PathVariable String org, @PathVariable String project, @PathVariable String domain, @PathVariable String id) {
    return RestErrors.respond(executions.get(new Scope(org, project, domain), id), ExecutionView::of);
  }

  @GetMapping
  ResponseEntity<?> list(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @RequestParam(required = false) String phase, @RequestParam(defaultValue = "50") int limit,
      @RequestParam(required = false) String pageToken) {
    return RestErrors.respond(executions.list(new Scope(org, project, domain), phase, limit, pageToken),
        page -> ExecutionView.page(page.getItemsList(), page.getNextPageToken()));
  }

  /** A map node's items, a page at a time: the execution view only summarises them. */
  @GetMapping("/{id}/nodes/{node}/items")
  ResponseEntity<?> items(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String id, @PathVariable String node, @RequestParam(defaultValue = "100") int limit,
      @RequestParam(required = false) String pageToken) {
    return RestErrors.respond(executions.items(new Scope(org, project, domain), id, node, limit, pageToken), ExecutionView::items);
  }

  @PostMapping("/{id}/terminate")
  ResponseEntity<?> terminate(@PathVariable String org, @PathVariable String project, @PathVariable String domain,
      @PathVariable String id, @RequestBody(required = false) JsonNode body) {
    String reason = body != null && body.hasNonNull("reason") ? body.get("reason").asString() : null;
    return RestErrors.respond(executions.terminate(new Scope(org, project, domain), id, reason), ExecutionView::of);
  }
}

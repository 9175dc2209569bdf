package dev.meridian.router.admission;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which queued requests of one org may reserve their resources now. Pure: no I/O, no clock.
 *
 * <p>Resources are named amounts ({@code gpu:nvidia-h100}, {@code cpu} in millicores, {@code memory}
 * in MiB, {@code executions}); a limit that is absent is no limit. The org's limits are never
 * exceeded. A project's quota is its guaranteed share: it may always use it, it may go beyond it only
 * if it may borrow, and then only from capacity no project with a guarantee is waiting for.
 *
 * <p>Order: first requests that fit in their project's guarantee, then those that borrow; among
 * those, higher priority first; among equal priority, the project with the smallest dominant share
 * of the org's limits (dominant-resource fairness); then the oldest. A request that does not fit
 * holds back every later request that needs the same resource, so a large task is never starved by
 * a stream of small ones behind it.
 */
public final class AdmissionPolicy {

  private AdmissionPolicy() {}

  /** {@code readyAtMillis}: when the task became ready to run; retries keep their first value, so they keep their place. */
  public record Request(String id, String project, int priority, long readyAtMillis, Map<String, Long> demand) {
    public Request {
      demand = Map.copyOf(demand);
    }
  }

  /** A project's guaranteed amounts and whether it may use idle org capacity beyond them. */
  public record ProjectQuota(Map<String, Long> guaranteed, boolean borrow) {
    public static final ProjectQuota NONE = new ProjectQuota(Map.of(), true);

    public ProjectQuota {
      guaranteed = Map.copyOf(guaranteed);
    }
  }

  /** @param usage what each project has reserved now */
  public record Snapshot(Map<String, Long> orgLimits, Map<String, ProjectQuota> projects, Map<String, Map<String, Long>> usage) {
    public Snapshot {
      orgLimits = Map.copyOf(orgLimits);
      projects = Map.copyOf(projects);
    }

    ProjectQuota quotaOf(String project) {
      return projects.getOrDefault(project, ProjectQuota.NONE);
    }
  }

  /** What to do with one queued request. Callers must handle both. */
  public sealed interface Verdict {
    String requestId();
  }

  public record Admit(String requestId) implements Verdict {}

  public record Wait(String requestId, String reason) implements Verdict {}

  private static final Comparator<Request> QUEUE_ORDER = Comparator.comparingInt((Request r) -> -r.priority())
      .thenComparingLong(Request::readyAtMillis).thenComparing(Request::id);

  /** The verdict for every queued request given, in the order they were admitted or considered. */
  public static List<Verdict> decide(Snapshot snapshot, List<Request> queued) {
    Map<String, Map<String, Long>> usage = new HashMap<>();
    snapshot.usage().forEach((project, amounts) -> usage.put(project, new HashMap<>(amounts)));
    Map<String, Long> orgUsage = new HashMap<>();
    usage.values().forEach(amounts -> amounts.forEach((resource, amount) -> orgUsage.merge(resource, amount, Long::sum)));

    Map<String, List<Request>> byProject = new HashMap<>();
    for (Request request : queued) {
      byProject.computeIfAbsent(request.project(), p -> new ArrayList<>()).add(request);
    }
    byProject.values().forEach(requests -> requests.sort(QUEUE_ORDER));
    Map<String, Integer> next = new HashMap<>();
    byProject.keySet().forEach(project -> next.put(project, 0));

    Set<String> heldForOrg = new HashSet<>();
    Map<String, Set<String>> heldForProject = new HashMap<>();
    Map<String, String> heldBecause = new HashMap<>();
    List<Verdict> verdicts = new ArrayList<>();

    while (true) {
      Candidate best = null;
      for (var entry : byProject.entrySet()) {
        int index = next.get(entry.getKey());
        if (index >= entry.getValue().size()) {
          continue;
        }
        Request request = entry.getValue().get(index);
        Candidate candidate = new Candidate(request, withinGuarantee(snapshot, usage, request),
            dominantShare(snapshot.orgLimits(), usage.get(request.project())));
        if (best == null || candidate.compareTo(best) < 0) {
          best = candidate;
        }
      }
      if (best == null) {
        return verdicts;
      }
      Request request = best.request();
      next.merge(request.project(), 1, Integer::sum);

      String heldBy = held(request, heldForOrg, heldForProject.getOrDefault(request.project(), Set.of()), heldBecause);
      if (heldBy != null) {
        verdicts.add(new Wait(request.id(), heldBy));
        continue;
      }
      Map<String, Long> projectUsage = usage.computeIfAbsent(request.project(), p -> new HashMap<>());
      ProjectQuota quota = snapshot.quotaOf(request.project());
      List<String> overProject = quota.borrow() ? List.of() : exceeded(request.demand(), projectUsage, quota.guaranteed());
      if (!overProject.isEmpty()) {
        String reason = "waiting for quota: project '" + request.project() + "' has " + describe(overProject.getFirst(),
            projectUsage, quota.guaranteed()) + " reserved and may not borrow";
        hold(overProject, heldForProject.computeIfAbsent(request.project(), p -> new HashSet<>()), heldBecause, reason, request.project());
        verdicts.add(new Wait(request.id(), reason));
        continue;
      }
      List<String> overOrg = exceeded(request.demand(), orgUsage, snapshot.orgLimits());
      if (!overOrg.isEmpty()) {
        String reason = "waiting for quota: the org has " + describe(overOrg.getFirst(), orgUsage, snapshot.orgLimits()) + " reserved";
        hold(overOrg, heldForOrg, heldBecause, reason, null);
        verdicts.add(new Wait(request.id(), reason));
        continue;
      }
      request.demand().forEach((resource, amount) -> {
        projectUsage.merge(resource, amount, Long::sum);
        orgUsage.merge(resource, amount, Long::sum);
      });
      verdicts.add(new Admit(request.id()));
    }
  }

  private record Candidate(Request request, boolean withinGuarantee, double share) implements Comparable<Candidate> {
    @Override
    public int compareTo(Candidate other) {
      if (withinGuarantee != other.withinGuarantee) {
        return withinGuarantee ? -1 : 1;
      }
      if (request.priority() != other.request.priority()) {
        return Integer.compare(other.request.priority(), request.priority());
      }
      if (share != other.share) {
        return Double.compare(share, other.share);
      }
      return QUEUE_ORDER.compare(request, other.request);
    }
  }

  /** True when every resource the request needs is guaranteed to its project and the guarantee has room. */
  private static boolean withinGuarantee(Snapshot snapshot, Map<String, Map<String, Long>> usage, Request request) {
    Map<String, Long> guaranteed = snapshot.quotaOf(request.project()).guaranteed();
    Map<String, Long> used = usage.getOrDefault(request.project(), Map.of());
    for (var demand : request.demand().entrySet()) {
      if (demand.getValue() == 0) {
        continue;
      }
      Long guarantee = guaranteed.get(demand.getKey());
      if (guarantee == null || used.getOrDefault(demand.getKey(), 0L) + demand.getValue() > guarantee) {
        return false;
      }
    }
    return true;
  }

  /** The largest fraction of any limited org resource that the project holds. */
  static double dominantShare(Map<String, Long> orgLimits, Map<String, Long> used) {
    if (used == null) {
      return 0;
    }
    double share = 0;
    for (var limit : orgLimits.entrySet()) {
      if (limit.getValue() > 0) {
        share = Math.max(share, (double) used.getOrDefault(limit.getKey(), 0L) / limit.getValue());
      }
    }
    return share;
  }

  private static List<String> exceeded(Map<String, Long> demand, Map<String, Long> used, Map<String, Long> limits) {
    List<String> over = new ArrayList<>();
    demand.forEach((resource, amount) -> {
      Long limit = limits.get(resource);
      if (amount > 0 && limit != null && used.getOrDefault(resource, 0L) + amount > limit) {
        over.add(resource);
      }
    });
    over.sort(null);
    return over;
  }

  private static void hold(List<String> resources, Set<String> held, Map<String, String> because, String reason, String project) {
    for (String resource : resources) {
      held.add(resource);
      because.putIfAbsent((project == null ? "" : project) + "\u0000" + resource, reason);
    }
  }

  /** Why an earlier request that did not fit holds this one back, or null. */
  private static String held(Request request, Set<String> forOrg, Set<String> forProject, Map<String, String> because) {
    for (var demand : request.demand().entrySet()) {
      if (demand.getValue() == 0) {
        continue;
      }
      if (forProject.contains(demand.getKey())) {
        return because.get(request.project() + "\u0000" + demand.getKey());
      }
      if (forOrg.contains(demand.getKey())) {
        return because.get("\u0000" + demand.getKey());
      }
    }
    return null;
  }

  /** "8 of 8 nvidia-h100 GPUs", "64000 of 64000 CPU millicores", ... */
  static String describe(String resource, Map<String, Long> used, Map<String, Long> limits) {
    long amount = used.getOrDefault(resource, 0L);
    long limit = limits.get(resource);
    return amount + " of " + limit + " " + Resources.unitOf(resource);
  }
}

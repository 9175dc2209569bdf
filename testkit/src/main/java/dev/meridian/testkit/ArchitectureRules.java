package dev.meridian.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;

/** Architecture rules every service checks with ArchUnit. */
public final class ArchitectureRules {

  private ArchitectureRules() {}

  /** Planners, compilers, policies and models decide; they do no I/O, so they are tested without servers or mocks. */
  public static ArchRule pureDecisionsImportNoFrameworks() {
    return noClasses()
        .that().haveSimpleNameEndingWith("Planner").or().haveSimpleNameEndingWith("Compiler")
        .or().haveSimpleNameEndingWith("Policy").or().haveSimpleNameEndingWith("Model")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.springframework..", "java.sql..", "javax.sql..", "io.grpc..", "io.fabric8..", "org.apache.kafka..", "io.temporal..")
        .allowEmptyShould(true);
  }
}

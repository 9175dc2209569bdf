package dev.meridian.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Planners, compilers, policies and models decide; they do no I/O, so they are tested without servers or mocks. */
@AnalyzeClasses(packages = "dev.meridian.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class PureDecisionsTest {

  @ArchTest
  static final ArchRule pureDecisionsImportNoFrameworks = noClasses()
      .that().haveSimpleNameEndingWith("Planner").or().haveSimpleNameEndingWith("Compiler")
      .or().haveSimpleNameEndingWith("Policy").or().haveSimpleNameEndingWith("Model")
      .should().dependOnClassesThat().resideInAnyPackage(
          "org.springframework..", "java.sql..", "javax.sql..", "io.grpc..", "io.fabric8..", "org.apache.kafka..", "io.temporal..")
      .allowEmptyShould(true);
}

package dev.meridian.billing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Billing's layering, checked by the build: features without cycles; the money and time arithmetic pure. */
@AnalyzeClasses(packages = "dev.meridian.billing", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

  @ArchTest
  static final ArchRule featuresHaveNoCycles = slices().matching("dev.meridian.billing.(*)..").should().beFreeOfCycles();

  /** Splitting, pricing, periods and the reconciliation's comparison decide; they do no I/O and are tested without servers. */
  @ArchTest
  static final ArchRule arithmeticIsPure = classes().that().haveSimpleName("HourSplit").or().haveSimpleName("Usage")
      .or().haveSimpleName("Periods").or().haveSimpleName("Pricing")
      .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.meridian.billing..");

  @ArchTest
  static final ArchRule onlyInfraKnowsGrpcAndSpring = classes().that().resideOutsideOfPackage("dev.meridian.billing.infra..")
      .and().resideOutsideOfPackage("dev.meridian.billing")
      .should().onlyDependOnClassesThat().resideOutsideOfPackages("io.grpc..", "org.springframework.context..",
          "org.springframework.boot..", "org.springframework.stereotype..", "org.springframework.scheduling..");
}

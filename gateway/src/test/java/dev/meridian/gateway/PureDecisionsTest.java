package dev.meridian.gateway;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.meridian.testkit.ArchitectureRules;

@AnalyzeClasses(packages = "dev.meridian.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class PureDecisionsTest {

  @ArchTest
  static final ArchRule pureDecisionsImportNoFrameworks = ArchitectureRules.pureDecisionsImportNoFrameworks();
}

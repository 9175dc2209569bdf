package dev.meridian.router;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.meridian.testkit.ArchitectureRules;

@AnalyzeClasses(packages = "dev.meridian.router", importOptions = ImportOption.DoNotIncludeTests.class)
class PureDecisionsTest {

  @ArchTest
  static final ArchRule pureDecisionsImportNoFrameworks = ArchitectureRules.pureDecisionsImportNoFrameworks();
}

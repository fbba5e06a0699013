package io.multisite.news;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The package-by-feature layout, kept honest. */
class ArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.multisite.news");

    @Test
    void featuresDoNotDependOnEachOtherInCycles() {
        slices().matching("io.multisite.news.(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void routingAndWebKnowNothingOfTheFeatures() {
        noClasses().that().resideInAnyPackage("..news.routing..", "..news.web..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("..news.session..", "..news.post..")
                .check(CLASSES);
    }

    @Test
    void onlyTheRoutingPackageTalksToTheOwnershipGuardDirectly() {
        // Features go through WriteGuard, which counts refusals.
        noClasses().that().resideOutsideOfPackage("..news.routing..")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.multisite.routing.OwnershipGuard")
                .check(CLASSES);
    }
}

"""The question model: copier.yml read as plain YAML and evaluated as copier does (see test_engine)."""

from __future__ import annotations

from wizard.questions import QuestionSet
from wizard.template import computed_values, question_groups, template_config


def test_every_question_in_copier_yml_is_loaded_and_grouped() -> None:
    questions = QuestionSet()
    declared = [key for key in template_config() if not key.startswith("_") and key not in computed_values()]
    grouped = [name for names in question_groups().values() for name in names]
    assert sorted(grouped) == sorted(declared)
    # Shown group by group, copier.yml's order within a group.
    group_of = {name: index for index, names in enumerate(question_groups().values()) for name in names}
    assert questions.names == sorted(declared, key=group_of.__getitem__)


def test_defaults_choices_and_conditions_follow_earlier_answers() -> None:
    questions = QuestionSet()
    npm = questions.resolve({"service_name": "api", "package_manager": "npm"}).by_name()
    assert not npm["package_manager_version"].applies
    pnpm = questions.resolve({"service_name": "api", "package_manager": "pnpm"}).by_name()
    assert pnpm["package_manager_version"].applies
    assert pnpm["package_manager_version"].value
    no_orm = questions.resolve({"service_name": "api", "orm": "none"}).by_name()
    assert not no_orm["migrations"].applies
    assert "migrations" not in questions.resolve({"service_name": "api", "orm": "none"}).answers
    drizzle = questions.resolve({"service_name": "api", "orm": "drizzle"}).by_name()
    assert drizzle["migrations"].applies
    assert [choice.value for choice in drizzle["migrations"].choices] == ["job", "entrypoint", "none"]


def test_detected_values_sit_between_given_answers_and_defaults() -> None:
    questions = QuestionSet()
    resolution = questions.resolve(
        {"port": 8080},
        detected={"port": 4000, "framework": "fastify"},
        sources={"port": ".env.example: PORT=4000", "framework": "package.json dependencies: fastify"},
        folder_name="svc",
    ).by_name()
    assert (resolution["port"].value, resolution["port"].origin) == (8080, "answer")
    assert (resolution["framework"].value, resolution["framework"].origin) == ("fastify", "detected")
    assert resolution["framework"].source == "package.json dependencies: fastify"
    assert resolution["node_version"].origin == "default"


def test_validator_messages_name_what_is_allowed() -> None:
    problems = QuestionSet().resolve({"service_name": "My Service", "port": 0, "framework": "koa"}).problems
    by_field = {problem.field: problem for problem in problems}
    assert "lowercase letters" in by_field["service_name"].allowed
    assert by_field["port"].allowed == "must be a port number from 1 to 65535"
    assert "'nestjs', 'express', 'fastify'" in by_field["framework"].allowed


def test_derived_values_are_neither_asked_nor_accepted() -> None:
    """copier.yml's computed values (entry_script, drizzle_migrator) belong to the template alone."""
    assert {"entry_script", "drizzle_migrator"} <= set(computed_values())
    questions = QuestionSet()
    assert not set(computed_values()) & set(questions.names)
    resolution = questions.resolve({"service_name": "api", "entry_script": True})
    assert resolution.unknown == ("entry_script",)
    assert "entry_script" not in resolution.answers

import * as events from "aws-cdk-lib/aws-events";
import type { Construct } from "constructs";
import type { CompiledRule, EventPattern } from "../event-patterns.ts";

/** The rule state under which read-only management events (Get*, List*, Describe*) reach a rule. */
export const ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";

/**
 * One EventBridge rule per compiled rule (construct id: the compiled rule's id), on `eventBus` (the
 * account's default bus when not given), each delivering to `target`. A rule that must see read-only
 * management events gets the state {@link ALL_MANAGEMENT_EVENTS}. Returns the rules by construct id.
 */
export function eventRules(
  scope: Construct,
  compiled: readonly CompiledRule[],
  options: { target: events.IRuleTarget; eventBus?: events.IEventBus },
): Map<string, events.Rule> {
  return new Map(compiled.map((rule) => [rule.id, eventRule(scope, rule, options)]));
}

function eventRule(
  scope: Construct,
  compiled: CompiledRule,
  options: { target: events.IRuleTarget; eventBus?: events.IEventBus },
): events.Rule {
  const rule = new events.Rule(scope, compiled.id, {
    description: compiled.description,
    eventPattern: toCdkPattern(compiled.pattern),
    eventBus: options.eventBus,
    targets: [options.target],
  });
  if (compiled.readOnlyEvents) {
    // The L2 Rule only knows enabled/disabled; read-only management events need this state.
    (rule.node.defaultChild as events.CfnRule).state = ALL_MANAGEMENT_EVENTS;
  }
  return rule;
}

function toCdkPattern(pattern: EventPattern): events.EventPattern {
  const { source, "detail-type": detailType, detail } = pattern as Record<string, unknown>;
  return {
    source: source as string[] | undefined,
    detailType: detailType as string[] | undefined,
    detail: detail as Record<string, unknown> | undefined,
  };
}

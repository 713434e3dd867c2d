/**
 * Bad input becomes Strapi's ValidationError (HTTP 400) with `details.errors[]`, each naming
 * its field by `path`: the shape the admin's form helpers read.
 */
import { errors } from '@strapi/utils';
import type { z } from 'zod';

import { issueMessage } from '../../../contracts/config';
import { formatProblem, type BindingProblem } from '../config/bindings';

export type Problem = BindingProblem;

export function zodProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String),
    message: issueMessage(issue),
  }));
}

export function validationError(problems: Problem[]): errors.ValidationError {
  const message =
    problems.length === 1 ? formatProblem(problems[0]) : `${problems.length} values are invalid`;
  return new errors.ValidationError(message, {
    errors: problems.map((problem) => ({
      path: problem.path,
      message: problem.message,
      name: 'ValidationError',
      value: null,
    })),
  });
}

/** Parses `input` with `schema`, or throws the 400 naming each bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodProblems(parsed.error));
  return parsed.data;
}

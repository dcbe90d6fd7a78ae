import { z } from 'zod';

const tokenCount = z.number().int().nonnegative();

/** Gemini's `usageMetadata`; every count is optional (early stream chunks carry only `trafficType`). */
export const googleUsageMetadataSchema = z
  .object({
    promptTokenCount: tokenCount.nullish(),
    cachedContentTokenCount: tokenCount.nullish(),
    candidatesTokenCount: tokenCount.nullish(),
    thoughtsTokenCount: tokenCount.nullish(),
    toolUsePromptTokenCount: tokenCount.nullish(),
    totalTokenCount: tokenCount.nullish(),
  })
  .loose();
export type GoogleUsageMetadata = z.infer<typeof googleUsageMetadataSchema>;

/** One piece of a streamed function call's arguments (`streamFunctionCallArguments`), addressed by JSON path. */
export const googlePartialArgSchema = z
  .object({
    jsonPath: z.string(),
    stringValue: z.string().nullish(),
    numberValue: z.number().nullish(),
    boolValue: z.boolean().nullish(),
    nullValue: z.unknown().optional(),
    willContinue: z.boolean().nullish(),
  })
  .loose();
export type GooglePartialArg = z.infer<typeof googlePartialArgSchema>;

/**
 * A function call as Gemini sends it: whole (`name` + `args`), or — when arguments are streamed — a head with
 * `name` and `willContinue`, pieces with `partialArgs`, and an empty `{}` closing it.
 */
export const googleFunctionCallSchema = z
  .object({
    id: z.string().nullish(),
    name: z.string().nullish(),
    args: z.record(z.string(), z.unknown()).nullish(),
    partialArgs: z.array(googlePartialArgSchema).nullish(),
    willContinue: z.boolean().nullish(),
  })
  .loose();
export type GoogleFunctionCall = z.infer<typeof googleFunctionCallSchema>;

export const googlePartSchema = z
  .object({
    text: z.string().nullish(),
    /** True on a thought summary (only sent when thoughts are requested). */
    thought: z.boolean().nullish(),
    functionCall: googleFunctionCallSchema.nullish(),
  })
  .loose();
export type GooglePart = z.infer<typeof googlePartSchema>;

export const googleCandidateSchema = z
  .object({
    /** Absent when the candidate was blocked before producing anything. */
    content: z.object({ role: z.string().nullish(), parts: z.array(googlePartSchema).nullish() }).loose().nullish(),
    finishReason: z.string().nullish(),
  })
  .loose();

/** A GenerateContentResponse: the whole non-streaming body, or one `data:` chunk of a stream. */
export const googleResponseSchema = z
  .object({
    candidates: z.array(googleCandidateSchema).nullish(),
    /** Set when the prompt itself was blocked; there are then no candidates. */
    promptFeedback: z.object({ blockReason: z.string().nullish() }).loose().nullish(),
    usageMetadata: googleUsageMetadataSchema.nullish(),
    responseId: z.string().nullish(),
  })
  .loose();
export type GoogleResponse = z.infer<typeof googleResponseSchema>;

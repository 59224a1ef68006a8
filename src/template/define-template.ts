import type { TemplateRecipe } from './template-schema.js';

/** Identity function that gives `templates/<name>/template.ts` full types and editor completion. */
export function defineTemplate(recipe: TemplateRecipe): TemplateRecipe {
  return recipe;
}
